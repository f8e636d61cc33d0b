export * from './org.js';
export * from './customers.js';
export * from './complaints.js';
export * from './touchpoints.js';
export * from './surveys.js';
export * from './system.js';
export * from './inspections.js';
