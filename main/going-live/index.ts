// Going live: the show's room on the SFU, the live control, the SFU's health.
export { LiveControl, MediaRooms, sfuHttpBase, viewerUrl } from './media-rooms';
export { SfuMonitor } from './sfu-monitor';
