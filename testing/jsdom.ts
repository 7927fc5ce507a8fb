// For tests that run the backend in a jsdom environment (hook tests): jsdom
// brings its own Uint8Array, while Node's TextEncoder and Buffer make Node's,
// so server code that checks `instanceof Uint8Array` (jose, which signs Convex
// Auth's tokens) refuses its own bytes. Import this first in such a test file;
// it also gives the token storage such tests hand to ConvexAuthProvider.
const NodeUint8Array = Object.getPrototypeOf(Buffer.prototype).constructor as Uint8ArrayConstructor;
if (!(new TextEncoder().encode("") instanceof Uint8Array)) globalThis.Uint8Array = NodeUint8Array;

/** Token storage for ConvexAuthProvider, in memory (what localStorage holds in a browser). */
export function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}
