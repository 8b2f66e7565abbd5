export * from './enums.js';
export * from './errors.js';
export * from './schemas.js';
export * from './frames.js';
export * from './views.js';
export * from './text.js';
export * from './notifications.js';
