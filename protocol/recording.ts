// Recording a live show: the renderer's MediaRecorder streams WebM chunks to the studio
// services (appendRecordingChunk carries raw bytes: a Uint8Array over Electron IPC, a binary
// WebSocket frame in browser mode, see protocol/rpc.ts), which append them to a file in the
// data dir. Also the platform side's upload API (server/recordings), used by main/recording.
import { z } from 'zod';
import { showIdSchema } from './signaling';

/** One chunk's bytes; well under the browser-mode frame limit (1 MiB). */
export const MAX_RECORDING_CHUNK_BYTES = 256 * 1024;
/** One upload request's body on the platform side. */
export const MAX_UPLOAD_CHUNK_BYTES = 512 * 1024;

export const RecordingShowId = showIdSchema;
const Ms = z.number().int().min(0);
const ByteCount = z.number().int().min(0);

/** Raw bytes of one chunk (a Buffer is a Uint8Array too). */
export const ChunkBytes = z
  .instanceof(Uint8Array, { message: 'expected bytes' })
  .refine((bytes) => bytes.byteLength >= 1 && bytes.byteLength <= MAX_RECORDING_CHUNK_BYTES, {
    message: `a chunk holds 1 byte to ${MAX_RECORDING_CHUNK_BYTES / 1024} KiB`,
  });

export const StartRecordingRequest = z
  .object({
    showId: RecordingShowId,
    /** What MediaRecorder records, e.g. "video/webm;codecs=vp8,opus". */
    mimeType: z.string().min(1).max(100),
    /** Wall clock (ms epoch) of the recording's time 0, by the renderer's clock. */
    startedAt: Ms,
  })
  .strict();
/** A recording is one file per MediaRecorder run ("part"); a reload mid-show starts the next part. */
export const RecordingPartRef = z.object({
  showId: RecordingShowId,
  part: z.number().int().min(1).max(1000),
});
export const AppendRecordingChunkRequest = RecordingPartRef.extend({
  /** Where in the part file these bytes go: appends are idempotent by offset. */
  offset: ByteCount,
  bytes: ChunkBytes,
}).strict();
export const AppendRecordingChunkResponse = z.object({
  /** Bytes of the part now on disk: the next chunk's offset. */
  offset: ByteCount,
  /** False once the recording was stopped (disk space ran out): stop the MediaRecorder. */
  accepting: z.boolean(),
  reason: z.string().nullable(),
});
export type AppendRecordingChunkResponse = z.infer<typeof AppendRecordingChunkResponse>;

export const RecordingState = z.enum([
  /** A part is being written. */
  'recording',
  /** Every part is sealed, the show still runs (it may record again after a reload). */
  'paused',
  /** One playable, seekable file with a duration. */
  'complete',
  'failed',
]);
export type RecordingState = z.infer<typeof RecordingState>;
export const UploadState = z.enum(['off', 'waiting', 'uploading', 'done', 'failed']);

export const RecordingSummary = z.object({
  showId: z.string(),
  title: z.string(),
  state: RecordingState,
  startedAt: Ms,
  /** Length of the playable recording; null until a part is sealed. */
  durationMs: Ms.nullable(),
  sizeBytes: ByteCount,
  parts: z.number().int(),
  /** Why recording stopped early (disk space) or failed; null otherwise. */
  note: z.string().nullable(),
  upload: z.object({ state: UploadState, uploadedBytes: ByteCount, error: z.string().nullable() }),
});
export type RecordingSummary = z.infer<typeof RecordingSummary>;

export const DiskSpace = z.object({
  freeBytes: ByteCount,
  /** Below this the studio warns the host. */
  warnBelowBytes: ByteCount,
  /** Below this it stops recording (never the stream). */
  stopBelowBytes: ByteCount,
  level: z.enum(['ok', 'low', 'full']),
});
export type DiskSpace = z.infer<typeof DiskSpace>;

/** What the host sees while live (pushed as "recording"). */
export const RecordingStatus = z.object({
  active: RecordingSummary.nullable(),
  disk: DiskSpace,
  /** A warning or problem in words for the host; null when all is well. */
  message: z.string().nullable(),
});
export type RecordingStatus = z.infer<typeof RecordingStatus>;

// Platform side (server/recordings): resumable, offset-based uploads, served back with Range.

export const UploadStatusAnswer = z.object({
  showId: z.string(),
  /** Bytes held so far: where the next chunk starts. */
  size: ByteCount,
  complete: z.boolean(),
});
export type UploadStatusAnswer = z.infer<typeof UploadStatusAnswer>;
export const CompleteUploadRequest = z
  .object({
    size: ByteCount,
    /** Hex SHA-256 of the whole file, checked by the platform. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    durationMs: Ms.nullable(),
    title: z.string().max(200),
    startedAt: Ms,
  })
  .strict();
export type CompleteUploadRequest = z.infer<typeof CompleteUploadRequest>;
export const PlatformRecording = z.object({
  showId: z.string(),
  title: z.string(),
  startedAt: Ms,
  durationMs: Ms.nullable(),
  sizeBytes: ByteCount,
});
export type PlatformRecording = z.infer<typeof PlatformRecording>;
