// The one owner of the host's capture devices: camera, microphone and screen share,
// the mic level meter and mute. Device choices are remembered per machine.

import type { DeviceOption } from '../store/media-slice';

const CAMERA_KEY = 'shopcast.cameraId';
const MIC_KEY = 'shopcast.micId';

/** Turns getUserMedia/getDisplayMedia failures into what the host should do about them. */
export function describeCaptureError(kind: 'camera' | 'microphone' | 'screen', error: unknown): string {
  const name = (error as { name?: string }).name ?? '';
  switch (name) {
    case 'NotAllowedError':
      return kind === 'screen'
        ? 'Screen sharing was cancelled or not allowed.'
        : `Permission to use the ${kind} was denied. Allow it in your system or browser settings.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${kind} was found. Connect one, or pick another in the list.`;
    case 'NotReadableError':
      return `The ${kind} is in use by another application or could not be started.`;
    default:
      return `Could not start the ${kind}: ${(error as Error).message ?? String(error)}`;
  }
}

export class MediaCapture {
  camera: MediaStream | null = null;
  microphone: MediaStream | null = null;
  screen: MediaStream | null = null;
  private audioContext: AudioContext | null = null;
  private analyser: AnalyserNode | null = null;
  private levelBuffer: Float32Array<ArrayBuffer> | null = null;
  private muted = false;

  get rememberedCameraId(): string | null {
    return localStorage.getItem(CAMERA_KEY);
  }

  get rememberedMicId(): string | null {
    return localStorage.getItem(MIC_KEY);
  }

  async listDevices(): Promise<{ cameras: DeviceOption[]; microphones: DeviceOption[] }> {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const pick = (kind: MediaDeviceKind, fallback: string) =>
      devices
        .filter((device) => device.kind === kind && device.deviceId)
        .map((device, index) => ({
          deviceId: device.deviceId,
          label: device.label || `${fallback} ${index + 1}`,
        }));
    return { cameras: pick('videoinput', 'Camera'), microphones: pick('audioinput', 'Microphone') };
  }

  async openCamera(deviceId: string | null, size = { width: 1280, height: 720 }): Promise<MediaStream> {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: {
        ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
        width: { ideal: size.width },
        height: { ideal: size.height },
        frameRate: { ideal: 30 },
      },
      audio: false,
    });
    this.camera?.getTracks().forEach((track) => track.stop());
    this.camera = stream;
    const id = stream.getVideoTracks()[0]?.getSettings().deviceId;
    if (id) localStorage.setItem(CAMERA_KEY, id);
    return stream;
  }

  async openMicrophone(deviceId: string | null): Promise<MediaStream> {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
        echoCancellation: true,
        noiseSuppression: true,
      },
      video: false,
    });
    this.microphone?.getTracks().forEach((track) => track.stop());
    this.microphone = stream;
    for (const track of stream.getAudioTracks()) track.enabled = !this.muted;
    const id = stream.getAudioTracks()[0]?.getSettings().deviceId;
    if (id) localStorage.setItem(MIC_KEY, id);
    this.meter(stream);
    return stream;
  }

  async startScreenShare(onEnded: () => void): Promise<MediaStream> {
    const stream = await navigator.mediaDevices.getDisplayMedia({
      video: { frameRate: { ideal: 30 } },
      audio: false,
    });
    this.stopScreenShare();
    this.screen = stream;
    stream.getVideoTracks()[0]?.addEventListener('ended', () => {
      if (this.screen === stream) this.screen = null;
      onEnded();
    });
    return stream;
  }

  stopScreenShare(): void {
    this.screen?.getTracks().forEach((track) => track.stop());
    this.screen = null;
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    for (const track of this.microphone?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  /** Microphone level 0…1 (RMS, scaled), measured before mute so the host sees their mic works. */
  micLevel(): number {
    if (!this.analyser || !this.levelBuffer) return 0;
    this.analyser.getFloatTimeDomainData(this.levelBuffer);
    let sum = 0;
    for (const sample of this.levelBuffer) sum += sample * sample;
    return Math.min(1, Math.sqrt(sum / this.levelBuffer.length) * 4);
  }

  stopAll(): void {
    for (const stream of [this.camera, this.microphone, this.screen])
      stream?.getTracks().forEach((track) => track.stop());
    this.camera = this.microphone = this.screen = null;
    void this.audioContext?.close();
    this.audioContext = null;
    this.analyser = null;
  }

  private meter(stream: MediaStream): void {
    if (!this.audioContext) {
      const context = new AudioContext();
      this.audioContext = context;
      // Browsers start an AudioContext suspended until the user interacts with the page.
      if (context.state === 'suspended') {
        const resume = () => void context.resume();
        window.addEventListener('pointerdown', resume, { once: true });
        window.addEventListener('keydown', resume, { once: true });
      }
    }
    const source = this.audioContext.createMediaStreamSource(stream);
    this.analyser = this.audioContext.createAnalyser();
    this.analyser.fftSize = 1024;
    this.levelBuffer = new Float32Array(this.analyser.fftSize);
    source.connect(this.analyser);
  }
}
