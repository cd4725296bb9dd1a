export * from './pool';
export * from './schema';
export * from './archive-metadata';
export * from './tasks';
export * from './services';
