// The soak's panel page stand-in, in its own process as a browser would be: connects to the
// panel's WebSocket, reads every frame, and prints how many it read when it receives SIGTERM.
import { WebSocket } from "ws";

const url = new URL(process.argv[2] ?? "");
const socket = new WebSocket(`ws://${url.host}/ws${url.search}`, { origin: url.origin });
let frames = 0;
socket.on("open", () => process.stdout.write("open\n"));
socket.on("message", () => frames++);
socket.on("error", (error) => {
  process.stderr.write(`panel client: ${error.message}\n`);
  process.exit(1);
});
process.on("SIGTERM", () => {
  process.stdout.write(`frames ${frames}\n`);
  process.exit(0);
});
