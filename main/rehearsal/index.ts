// Rehearsal: a show with simulated shoppers.
export { Rehearsal, type RehearsalOptions } from './rehearsal';
