import { readFile, realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";

/** Content types of the files a built panel page contains; anything else is sent as bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Returns the `Content-Type` for a file name, by its extension. */
export function contentTypeFor(fileName: string): string {
  return CONTENT_TYPES[extname(fileName).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Headers sent with every HTTP response. The page may load only its own files and connect only to
 * the panel's WebSocket, and it sends no `Referer`, because the page's URL carries the token.
 */
export function securityHeaders(authorities: readonly string[]): Record<string, string> {
  const webSocketSources = authorities
    .filter((authority) => !authority.startsWith("["))
    .map((authority) => `ws://${authority}`);
  const policy = [
    "default-src 'self'",
    `connect-src 'self' ${webSocketSources.join(" ")}`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    "Content-Security-Policy": policy,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
  };
}

/** A request path mapped to a file under the web root, or the HTTP status that rejects it. */
export type StaticTarget = { file: string } | { status: 400 | 404 };

/**
 * Maps the path of a request URL to a file path under `webRoot`. `/` maps to index.html. A path
 * that fails to decode, contains a NUL byte or has a `..` segment (also when percent-encoded) is
 * rejected with 400 before the file system is touched.
 */
export function resolveRequestPath(webRoot: string, requestUrl: string): StaticTarget {
  if (!requestUrl.startsWith("/")) {
    return { status: 400 };
  }
  const rawPath = requestUrl.split(/[?#]/, 1)[0] ?? "/";

  let decodedPath: string;
  try {
    decodedPath = decodeURIComponent(rawPath);
  } catch {
    return { status: 400 };
  }
  if (decodedPath.includes("\0")) {
    return { status: 400 };
  }
  const segments = decodedPath.split(/[/\\]/);
  if (segments.some((segment) => segment === "..")) {
    return { status: 400 };
  }

  const relativePath = decodedPath === "/" ? "index.html" : decodedPath.slice(1);
  return { file: resolve(webRoot, relativePath) };
}

/** Checks that `path` is `root` or lies inside it. Both paths must be absolute and resolved. */
function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Responds to a GET or HEAD request with a file under `webRootReal`, the web root with symbolic
 * links resolved. A file whose real path leaves the web root through a symbolic link is not found.
 */
export async function serveStatic(
  request: IncomingMessage,
  response: ServerResponse,
  webRootReal: string,
  headers: Record<string, string>,
): Promise<void> {
  const target = resolveRequestPath(webRootReal, request.url ?? "/");
  if ("status" in target) {
    sendStatus(response, target.status, headers);
    return;
  }

  let filePath: string;
  try {
    filePath = await realpath(target.file);
  } catch {
    sendStatus(response, 404, headers);
    return;
  }
  if (!isInside(webRootReal, filePath) || !(await stat(filePath)).isFile()) {
    sendStatus(response, 404, headers);
    return;
  }

  const body = await readFile(filePath);
  response.writeHead(200, {
    ...headers,
    "Content-Type": contentTypeFor(filePath),
    "Content-Length": String(body.byteLength),
  });
  response.end(request.method === "HEAD" ? undefined : body);
}

/** Ends `response` with `status` and its standard reason phrase as a plain-text body. */
export function sendStatus(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  extraHeaders: Record<string, string> = {},
): void {
  const body = `${status} ${statusText(status)}\n`;
  response.writeHead(status, {
    ...headers,
    ...extraHeaders,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
  });
  response.end(body);
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Returns the standard reason phrase of an HTTP status code used by the panel server. */
export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? "Error";
}
