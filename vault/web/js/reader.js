// The page's side of the QR reader: starts qr_worker.js in a worker made from text the page
// already holds (nothing is fetched), hands it the wasm, and turns its messages into one
// promise per image. Used for picked photos and for camera frames alike.

let nextId = 1;

export class PhotoReader {
  /** workerText: the worker's script (glue, then qr_worker.js inlined); wasm: its bytes. */
  constructor(workerText, wasm) {
    this.workerText = workerText;
    this.wasm = wasm;
    this.worker = null;
    this.ready = null; // Promise, once started
    this.waiting = new Map(); // id -> {resolve, reject, onPass}
  }

  /** Start the worker (once); resolves when the reader is compiled and ready. */
  start() {
    if (this.ready) return this.ready;
    this.ready = new Promise((resolve, reject) => {
      const url = URL.createObjectURL(new Blob([this.workerText], { type: 'text/javascript' }));
      let worker;
      try {
        worker = new Worker(url);
      } catch (err) {
        reject(new Error('this browser cannot read photos here (no workers)'));
        return;
      } finally {
        URL.revokeObjectURL(url); // the worker has its script once constructed
      }
      this.worker = worker;
      worker.addEventListener('message', (event) => {
        const m = event.data || {};
        if (m.type === 'ready') resolve(this);
        else if (m.type === 'error' && m.id === null) reject(asError(m));
        else this.answer(m);
      });
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        const err = new Error('the QR reader stopped (this device may be short of memory)');
        reject(err);
        for (const w of this.waiting.values()) w.reject(err);
        this.waiting.clear();
      });
      // A copy: the wasm bytes stay with the page, so the reader can be started again.
      worker.postMessage({ type: 'init', wasm: this.wasm.slice() });
    });
    return this.ready;
  }

  answer(m) {
    const w = this.waiting.get(m.id);
    if (!w) return;
    if (m.type === 'pass') {
      if (w.onPass) w.onPass(m);
      return;
    }
    this.waiting.delete(m.id);
    if (m.type === 'result') w.resolve(m);
    else w.reject(asError(m));
  }

  /**
   * Read one image (a File/Blob, or ImageData from a camera frame): resolves to
   * {texts, others, passes, detected, cancelled}. options: maxPasses, onPass, onId(id) to
   * learn the id that cancel() takes, and held (the codes already read) with kitId, so the
   * passes stop the moment the kit is complete.
   */
  async decode(image, { maxPasses, onPass, onId, held, kitId } = {}) {
    await this.start();
    const id = nextId++;
    if (onId) onId(id);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, onPass });
      const transfer = image && image.data && image.data.buffer ? [image.data.buffer] : [];
      this.worker.postMessage({ type: 'decode', id, image, maxPasses, held, kitId }, transfer);
    });
  }

  /** Give up reading image id between two passes; its answer still comes. */
  cancel(id) {
    if (this.worker) this.worker.postMessage({ type: 'cancel', id });
  }

  /** Stop the worker and every read in flight; start() may be called again. */
  stop() {
    if (this.worker) this.worker.terminate();
    const err = new Error('stopped');
    err.name = 'Stopped';
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    this.worker = null;
    this.ready = null;
  }
}

function asError(m) {
  const err = new Error(m.message || 'the image could not be read');
  err.name = m.name || 'Error';
  err.hint = m.hint || '';
  return err;
}
