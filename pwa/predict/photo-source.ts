/**
 * A photo from the device (a file, or the camera app on a phone through `capture`),
 * cover-fitted into the square canvas the model gets, with a preview.
 */
import { drawCover } from './image-fit.ts';

/** Elements and callbacks of the photo tab. */
export interface PhotoElements {
  file: HTMLInputElement;
  preview: HTMLCanvasElement;
  empty: HTMLElement;
  invert: () => boolean;
  onPhoto: (canvas: HTMLCanvasElement) => void;
  onError: (error: unknown) => void;
}

/** The photo tab's controller. */
export interface PhotoSource {
  /** The photo as the model gets it, or undefined before one is chosen. */
  readonly canvas: HTMLCanvasElement | undefined;
  /** Draws the last photo again (after the invert option changed). */
  redraw(): void;
}

export function createPhotoSource(elements: PhotoElements): PhotoSource {
  const { file, preview, empty } = elements;
  let bitmap: ImageBitmap | undefined;
  const draw = () => {
    if (!bitmap) return;
    drawCover(preview, bitmap, bitmap.width, bitmap.height, { invert: elements.invert() });
    preview.hidden = false;
    empty.hidden = true;
  };
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    void (async () => {
      try {
        // createImageBitmap decodes off the main thread and applies the EXIF orientation.
        const decoded = await createImageBitmap(chosen, { imageOrientation: 'from-image' }).catch((cause: unknown) => {
          throw new Error(`“${chosen.name}” is not an image this browser can read (${chosen.type || 'unknown type'}). Choose a PNG, JPEG or WebP photo.`, { cause });
        });
        bitmap?.close();
        bitmap = decoded;
        draw();
        elements.onPhoto(preview);
      } catch (error) {
        elements.onError(error);
      }
    })();
  });
  return {
    get canvas() {
      return bitmap ? preview : undefined;
    },
    redraw: draw,
  };
}
