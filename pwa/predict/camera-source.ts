/**
 * The camera: a live preview (getUserMedia), "Capture" freezes a frame into a canvas
 * (cover-fitted) that the model gets. The tracks are stopped whenever the camera tab is
 * left or the page is hidden, so the camera light goes off.
 */
import { drawCover } from './image-fit.ts';

/** Why there is no camera, in words. */
export function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera access was refused. Allow the camera for this site in the browser’s settings, then press “Start camera” again — or draw or upload a photo instead.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found on this device. Draw a digit or upload a photo instead.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is in use by another app or could not be started. Close the other app and try again.';
    default:
      return `The camera could not be started${error instanceof Error && error.message ? ` (${error.message})` : ''}.`;
  }
}

/** Elements and callbacks of the camera tab. */
export interface CameraElements {
  video: HTMLVideoElement;
  still: HTMLCanvasElement;
  start: HTMLButtonElement;
  capture: HTMLButtonElement;
  status: HTMLElement;
  error: HTMLElement;
  invert: () => boolean;
  onCapture: (canvas: HTMLCanvasElement) => void;
}

/** The camera tab's controller. */
export interface CameraSource {
  /** Starts the preview (asks for permission the first time). */
  start(): Promise<void>;
  /** Stops every track and hides the preview. */
  stop(): void;
  /** The last captured frame, or undefined. */
  readonly frame: HTMLCanvasElement | undefined;
}

export function createCameraSource(elements: CameraElements): CameraSource {
  const { video, still, start, capture, status, error } = elements;
  let stream: MediaStream | undefined;
  let captured = false;

  const fail = (words: string, name?: string) => {
    error.textContent = words;
    error.dataset.code = name ?? '';
    error.hidden = false;
    status.textContent = '';
    start.disabled = false;
    capture.disabled = true;
  };

  const source: CameraSource = {
    async start() {
      error.hidden = true;
      if (!window.isSecureContext) return fail('The camera needs a secure page (https://). Open the app over https, or draw or upload a photo instead.', 'INSECURE_CONTEXT');
      if (!navigator.mediaDevices?.getUserMedia) return fail('This browser has no camera access (no mediaDevices). Draw a digit or upload a photo instead.', 'NotFoundError');
      source.stop();
      start.disabled = true;
      status.textContent = 'Starting the camera…';
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment', width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
      } catch (cause) {
        stream = undefined;
        return fail(cameraProblem(cause), cause instanceof Error ? cause.name : undefined);
      }
      video.srcObject = stream;
      video.hidden = false;
      still.hidden = true;
      await video.play().catch(() => undefined);
      status.textContent = 'Camera on. Point it at a digit and press Capture.';
      start.disabled = false;
      start.textContent = 'Restart camera';
      capture.disabled = false;
    },
    stop() {
      for (const track of stream?.getTracks() ?? []) track.stop();
      if (stream) status.textContent = 'Camera off.';
      stream = undefined;
      video.srcObject = null;
      video.hidden = true;
      capture.disabled = true;
      start.textContent = 'Start camera';
      start.disabled = false;
      still.hidden = !captured;
    },
    get frame() {
      return captured ? still : undefined;
    },
  };

  start.addEventListener('click', () => void source.start());
  capture.addEventListener('click', () => {
    if (!stream || video.videoWidth === 0) return;
    drawCover(still, video, video.videoWidth, video.videoHeight, { invert: elements.invert() });
    captured = true;
    source.stop();
    status.textContent = 'Frame captured. Start the camera again for another.';
    elements.onCapture(still);
  });
  // A hidden page must not keep the camera on (and the browser may freeze the video anyway).
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') source.stop();
  });
  window.addEventListener('pagehide', () => source.stop());
  return source;
}
