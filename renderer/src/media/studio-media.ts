// Wires the host's capture devices into the program compositor and mirrors their
// state into the store. Components call these actions; they never touch devices.
import { ProgramCompositor } from '../program/compositor';
import type { ScreenLayout } from '../program/layout';
import { useStudioStore } from '../store';
import { describeCaptureError, MediaCapture } from './capture';

export const capture = new MediaCapture();
let compositor: ProgramCompositor | null = null;

const setMedia = (patch: Parameters<ReturnType<typeof useStudioStore.getState>['setMedia']>[0]) =>
  useStudioStore.getState().setMedia(patch);

/** The program compositor, created and started on first use; it runs for the app's lifetime. */
export function program(): ProgramCompositor {
  if (!compositor) {
    compositor = new ProgramCompositor();
    compositor.start();
  }
  return compositor;
}

async function refreshDevices(): Promise<void> {
  const { cameras, microphones } = await capture.listDevices();
  setMedia({ cameras, microphones });
}

export async function selectCamera(deviceId: string | null): Promise<void> {
  try {
    const stream = await capture.openCamera(deviceId);
    program().setCamera(stream);
    const id = stream.getVideoTracks()[0]?.getSettings().deviceId ?? deviceId;
    setMedia({ cameraOn: true, cameraId: id ?? null, captureError: null });
  } catch (error) {
    setMedia({ captureError: describeCaptureError('camera', error) });
  }
}

export async function selectMicrophone(deviceId: string | null): Promise<void> {
  try {
    const stream = await capture.openMicrophone(deviceId);
    const id = stream.getAudioTracks()[0]?.getSettings().deviceId ?? deviceId;
    setMedia({ microphoneOn: true, microphoneId: id ?? null, captureError: null });
  } catch (error) {
    setMedia({ captureError: describeCaptureError('microphone', error) });
  }
}

/** Opens the remembered (or default) camera and microphone, then lists devices with their labels. */
export async function startDevices(): Promise<void> {
  program();
  await selectCamera(capture.rememberedCameraId);
  if (!capture.camera && capture.rememberedCameraId) await selectCamera(null);
  await selectMicrophone(capture.rememberedMicId);
  if (!capture.microphone && capture.rememberedMicId) await selectMicrophone(null);
  await refreshDevices().catch(() => {});
}

export function setMuted(muted: boolean): void {
  capture.setMuted(muted);
  setMedia({ muted });
}

export async function startScreenShare(): Promise<void> {
  try {
    const stream = await capture.startScreenShare(() => {
      program().setScreen(null);
      setMedia({ screenSharing: false });
    });
    program().setScreen(stream);
    setMedia({ screenSharing: true, captureError: null });
  } catch (error) {
    setMedia({ captureError: describeCaptureError('screen', error) });
  }
}

export function stopScreenShare(): void {
  capture.stopScreenShare();
  program().setScreen(null);
  setMedia({ screenSharing: false });
}

export function setScreenLayout(layout: ScreenLayout): void {
  program().setLayout(layout);
  setMedia({ screenLayout: layout });
}

export function setMirrorCamera(mirrored: boolean): void {
  program().setMirrorCamera(mirrored);
  setMedia({ mirrorCamera: mirrored });
}

if (typeof navigator !== 'undefined' && navigator.mediaDevices) {
  navigator.mediaDevices.addEventListener('devicechange', () => void refreshDevices().catch(() => {}));
}
