// For tests that run the backend in a jsdom environment (hook tests): jsdom
// brings its own Uint8Array, while Node's TextEncoder and Buffer make Node's,
// so server code that checks `instanceof Uint8Array` (jose, which signs Convex
// Auth's tokens) refuses its own bytes. Import this first in such a test file.
const NodeUint8Array = Object.getPrototypeOf(Buffer.prototype).constructor as Uint8ArrayConstructor;
if (!(new TextEncoder().encode("") instanceof Uint8Array)) globalThis.Uint8Array = NodeUint8Array;
