// Ticks the program at a steady rate from a Worker: a hidden or minimised window
// throttles requestAnimationFrame and timers on the page, but not a Worker's timers,
// and the stream must keep flowing while the host looks at another window.

const WORKER_SOURCE = `
let timer = null;
onmessage = (event) => {
  clearInterval(timer);
  if (event.data > 0) timer = setInterval(() => postMessage(0), 1000 / event.data);
};`;

export class FrameClock {
  private worker: Worker | null = null;

  constructor(private readonly onTick: () => void) {}

  start(fps: number): void {
    if (!this.worker) {
      // A blob: worker keeps this self-contained; the CSP allows worker-src blob:.
      const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      this.worker = new Worker(url);
      URL.revokeObjectURL(url);
      this.worker.onmessage = () => this.onTick();
    }
    this.worker.postMessage(fps);
  }

  stop(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}
