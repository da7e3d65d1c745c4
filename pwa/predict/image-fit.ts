/**
 * Photos and camera frames into the square the model gets: cover-fitted (scaled to fill,
 * centred, the overflow cropped, like CSS `object-fit: cover`), optionally inverted
 * (MNIST digits are white on black; a digit on paper is dark on light).
 */

/** A source rectangle: the part of the image that is drawn. */
export interface SourceRect {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
}

/** The centred crop of a `width × height` image that has the aspect ratio of `targetWidth × targetHeight`. */
export function coverRect(width: number, height: number, targetWidth: number, targetHeight: number): SourceRect {
  if (!(width > 0 && height > 0 && targetWidth > 0 && targetHeight > 0)) throw new RangeError(`sizes must be positive (got ${width}×${height} into ${targetWidth}×${targetHeight})`);
  const scale = Math.max(targetWidth / width, targetHeight / height);
  const sw = targetWidth / scale;
  const sh = targetHeight / scale;
  return { sx: (width - sw) / 2, sy: (height - sh) / 2, sw, sh };
}

/** Draws `source` (`width × height`) onto the whole canvas, cover-fitted; inverts the colours when asked. */
export function drawCover(canvas: HTMLCanvasElement, source: CanvasImageSource, width: number, height: number, options: { invert?: boolean } = {}): void {
  const context = canvas.getContext('2d')!;
  const { sx, sy, sw, sh } = coverRect(width, height, canvas.width, canvas.height);
  context.save();
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  context.filter = options.invert ? 'invert(1)' : 'none';
  context.fillStyle = '#000';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(source, sx, sy, sw, sh, 0, 0, canvas.width, canvas.height);
  context.restore();
}

/** The canvas scaled to `width × height` (what the model's preprocessing resizes it to), as RGBA pixels. */
export function pixelsAt(canvas: HTMLCanvasElement, width: number, height: number): ImageData {
  const small = new OffscreenCanvas(width, height);
  const context = small.getContext('2d')!;
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  context.drawImage(canvas, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}
