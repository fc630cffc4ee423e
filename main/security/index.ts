// The Electron security checklist's decisions, as pure functions.
export * from './policy';
