// The studio services' composition root, the operation dispatcher and the configuration.
export { startStudioServices, type StudioServices } from './studio';
export { StudioHost, type PushListener, type StudioHandlers } from './studio-host';
export { loadConfig, type KafkaConfig, type SfuConfig, type StudioConfig } from './config';
