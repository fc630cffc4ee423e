// Health checks of the services the studio depends on.
export { HealthProbe } from './health-probe';
