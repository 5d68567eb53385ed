/** Entry point of the panel page: wires the connection, the node tree and the header. */

import { Connection, socketUrl, type ConnectionState } from "./connection.js";
import { parseEnvelope, parseServerMessage, PROTOCOL_VERSION } from "./protocol.js";
import { Tree } from "./tree.js";

const appNameElement = requireElement("app-name");
const statusElement = requireElement("connection-status");
const mount = requireElement("app");

const tree = new Tree(mount, (message) => connection.send(message));
const connection = new Connection(socketUrl(window.location), {
  onOpen: () => tree.startConnection(),
  onText: handleText,
  onBinary: handleBinary,
  onState: showState,
});
let reportedBadFrame = false;

connection.connect();

function handleText(text: string): void {
  const message = parseServerMessage(text);
  if (message === undefined) return;
  if (message.type === "hello") {
    const name = message.appName || "myogestic";
    appNameElement.textContent = name;
    document.title = name;
    if (message.protocol !== PROTOCOL_VERSION) {
      showStatus(
        "error",
        `Server speaks panel protocol ${message.protocol}; this page speaks ${PROTOCOL_VERSION}`,
      );
    }
    return;
  }
  tree.applyFrame(message);
}

function handleBinary(buffer: ArrayBuffer): void {
  try {
    tree.applyEnvelope(parseEnvelope(buffer));
  } catch (error) {
    // Logged once, because a server that sends one malformed frame likely repeats it every frame.
    if (!reportedBadFrame) {
      reportedBadFrame = true;
      console.warn("Dropped a malformed binary frame; later ones are dropped silently:", error);
    }
  }
}

function showState(state: ConnectionState): void {
  if (state.kind === "open") showStatus("open", "Connected");
  else if (state.kind === "connecting") showStatus("connecting", "Connecting…");
  else {
    const seconds = (state.retryMs / 1000).toFixed(1);
    showStatus("closed", `Disconnected (${state.reason}); retrying in ${seconds} s`);
  }
}

function showStatus(kind: string, text: string): void {
  statusElement.dataset.state = kind;
  statusElement.textContent = text;
  statusElement.title = text;
}

function requireElement(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no element with id "${id}"`);
  return element;
}
