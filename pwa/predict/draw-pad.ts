/**
 * The drawing pad: white strokes on black, like MNIST. Pointer events cover touch, pen
 * and mouse alike; the pointer is captured so a stroke that leaves the canvas still ends.
 */

/** A drawing pad over a canvas. */
export interface DrawPad {
  /** Paints the canvas black. */
  clear(): void;
  /** Paints a 28×28 digit (values 0..1, row-major) over the whole canvas, pixel-sharp. */
  drawDigit(image: Float32Array, width?: number, height?: number): void;
  /** Whether anything was drawn since the last clear. */
  readonly empty: boolean;
}

/** Makes `canvas` a drawing pad; `onStroke` runs when a stroke ends. */
export function createDrawPad(canvas: HTMLCanvasElement, onStroke: () => void): DrawPad {
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  let drawing = false;
  let empty = true;
  // The canvas is drawn at its own resolution (280×280) but shown at the CSS size.
  const point = (event: PointerEvent): [number, number] => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
  };
  const stroke = (event: PointerEvent) => {
    context.lineWidth = canvas.width / 12;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.strokeStyle = '#fff';
    context.lineTo(...point(event));
    context.stroke();
    context.beginPath();
    context.moveTo(...point(event));
  };
  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    drawing = true;
    empty = false;
    canvas.setPointerCapture(event.pointerId);
    context.beginPath();
    context.moveTo(...point(event));
    stroke(event);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (drawing) stroke(event);
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    onStroke();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  const pad: DrawPad = {
    clear() {
      context.fillStyle = '#000';
      context.fillRect(0, 0, canvas.width, canvas.height);
      empty = true;
    },
    drawDigit(image, width = 28, height = 28) {
      const digit = new ImageData(width, height);
      for (let i = 0; i < width * height; i++) {
        const v = Math.round(image[i]! * 255);
        digit.data.set([v, v, v, 255], i * 4);
      }
      const small = new OffscreenCanvas(width, height);
      small.getContext('2d')!.putImageData(digit, 0, 0);
      context.imageSmoothingEnabled = false;
      context.drawImage(small, 0, 0, canvas.width, canvas.height);
      empty = false;
    },
    get empty() {
      return empty;
    },
  };
  pad.clear();
  return pad;
}
