// `npm run demo:web` (vite --mode demo): the dev server also serves the
// in-memory backend of inMemoryBackend.ts, so the app runs offline with no
// deployment; the client connects back to the page's own origin (main.tsx).
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Plugin } from "vite";

/** What inMemoryBackend.ts gives (loaded through Vite at run time, so typed here). */
type Backend = {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  handleHttp(request: IncomingMessage, body: string): Promise<Response>;
  close(): void;
  hold(): void;
  release(): void;
};

const SYNC_PATH = /^\/api\/[^/]+\/sync$/;
const HTTP_API = /^\/api\/(query|mutation|action)$/;

/** Serves the in-memory backend from the dev server, plus a gate the browser test holds the server with. */
export function inMemoryBackend(): Plugin {
  return {
    name: "convex-saas-backend:in-memory",
    apply: "serve",
    configureServer(server) {
      let backend: Promise<Backend> | undefined;
      // Loaded through Vite (ssrLoadModule), which resolves the test kit's
      // `import.meta.glob` of the functions, as vitest does for the tests.
      const load = () =>
        (backend ??= server
          .ssrLoadModule("/demo/inMemoryBackend.ts")
          .then((module) => (module as { createDemoBackend: () => Backend }).createDemoBackend()));
      server.httpServer?.once("listening", () => void load());
      server.httpServer?.once("close", () => void backend?.then((b) => b.close()));
      // Vite's HMR socket (its own protocol and path) is left to Vite; the client's sync socket is ours.
      server.httpServer?.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!SYNC_PATH.test(new URL(request.url ?? "/", "http://localhost").pathname)) return;
        void load().then((b) => b.handleUpgrade(request, socket, head));
      });
      server.middlewares.use((request, response, next) => {
        if (!HTTP_API.test(request.url ?? "")) return next();
        void (async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of request) chunks.push(chunk as Buffer);
          const answer = await (await load()).handleHttp(request, Buffer.concat(chunks).toString("utf8"));
          response.writeHead(answer.status, Object.fromEntries(answer.headers));
          response.end(Buffer.from(await answer.arrayBuffer()));
        })().catch(next);
      });
      // The browser test's hold/release of the server. A custom header, because
      // another page in the same browser cannot send one cross-origin without a
      // CORS preflight, which this server never grants: only the test can.
      server.middlewares.use("/__demo", (request, response, next) => {
        if (request.method !== "POST" || (request.url !== "/hold" && request.url !== "/release")) return next();
        if (request.headers["x-demo-control"] !== "1") {
          response.statusCode = 403;
          response.end();
          return;
        }
        void load().then((b) => {
          if (request.url === "/hold") b.hold();
          else b.release();
          response.statusCode = 204;
          response.end();
        });
      });
    },
  };
}
