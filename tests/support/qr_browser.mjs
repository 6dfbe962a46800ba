// The page's QR reader in a real browser, for tests/test_web_qr.py and bench/web_qr.py. A
// harness page served from localhost (the folder holds `web`, a link to vault/web, and the
// images) loads the zxing-wasm glue as a classic script, then this module, which starts the
// reader and gives the Python side two calls through Playwright:
//   readFile(name): what the page does with a picked file (a File: createImageBitmap,
//     OffscreenCanvas, every pass), or the error the page would show;
//   readPixels(name): the file drawn on a canvas first, then decodeImage timed from the
//     ImageData on, as Node and Python are timed.
import { createReader, decodeImage } from "./web/js/qr.js";

const wasm = await (await fetch("web/vendor/zxing-wasm/zxing_reader.wasm")).arrayBuffer();
const reader = await createReader(globalThis.ZXingWASM, wasm);

async function picked(name) {
  const blob = await (await fetch(name)).blob();
  return new File([blob], name.split("/").pop(), { type: blob.type });
}

window.readFile = async (name) => {
  try {
    const { texts, others, passes } = await decodeImage(reader, await picked(name));
    return { texts, others, passes };
  } catch (err) {
    if (err?.name !== "InvalidData") throw err;
    return { error: err.name, message: err.message, hint: err.hint };
  }
};

window.readPixels = async (name) => {
  const bitmap = await createImageBitmap(await picked(name));
  const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height);
  const started = performance.now();
  const { texts, passes } = await decodeImage(reader, pixels);
  return { ms: performance.now() - started, texts, passes };
};

document.body.dataset.ready = "true";
