// Health checks of the services the studio depends on.
export { HealthProbe, type ProbeAnswer } from './health-probe';
