// The QR reader off the page's main thread: a page reading a 12-megapixel photo stays
// responsive. Runs as a classic worker built from one Blob: the vendored zxing-wasm glue
// (../vendor/zxing-wasm/index.js, which defines ZXingWASM), then this module and qr.js with
// its imports, inlined as page.py inlines the page's modules (js/README.md, "The QR reader").
// It would also run as a module worker, served next to the other modules.
//
// Messages in:  {type: "init", wasm}  (the bytes of zxing_reader.wasm, or a compiled Module)
//               {type: "decode", id, image, expect?, maxPasses?, held?, kitId?}  (see
//               decodeImage in qr.js; held: the codes already read, to stop at k)
//               {type: "cancel", id}  (give up between passes; the answer still comes)
// Messages out: {type: "ready"} once, or {type: "error", id: null, ...} if init failed;
//               {type: "pass", id, pass, name, read} after each pass;
//               {type: "result", id, texts, others, passes, detected, cancelled}
//               {type: "error", id, name, message, hint} for an image that cannot be read.
import { createReader } from "./qr.js";
import { enoughCodes } from "./restore.js";

const scope = globalThis;
let reader = null; // Promise of the QrReader, from "init"
let queue = Promise.resolve(); // one image at a time: two 12 MP photos at once double the memory
const cancelled = new Set();

function failure(id, err) {
  // VaultError subclasses carry the CLI's words; anything else is a bug worth showing as is.
  return { type: "error", id, name: err?.name ?? "Error", message: String(err?.message ?? err), hint: err?.hint ?? "" };
}

async function decode({ id, image, expect = null, maxPasses, held = null, kitId = null }) {
  try {
    const qr = await reader;
    // held: the codes the page already has; with them, passes stop once the kit is complete.
    const enough = held ? (texts) => enoughCodes([...held, ...texts], kitId) : null;
    const result = await qr.decode(image, {
      expect,
      maxPasses,
      enough,
      stop: () => cancelled.has(id),
      onPass: (progress) => scope.postMessage({ type: "pass", id, ...progress }),
    });
    const { texts, others, passes, detected } = result;
    scope.postMessage({ type: "result", id, texts, others, passes, detected, cancelled: cancelled.has(id) });
  } catch (err) {
    scope.postMessage(failure(id, err));
  } finally {
    cancelled.delete(id);
  }
}

scope.addEventListener("message", (event) => {
  const message = event.data ?? {};
  if (message.type === "init") {
    reader = createReader(scope.ZXingWASM, message.wasm);
    reader.then(
      () => scope.postMessage({ type: "ready" }),
      (err) => scope.postMessage(failure(null, err)),
    );
  } else if (message.type === "decode") {
    if (!reader) {
      scope.postMessage(failure(message.id, new Error("the QR reader was not started")));
      return;
    }
    queue = queue.then(() => decode(message));
  } else if (message.type === "cancel") {
    cancelled.add(message.id);
  }
});
