// Folders without a resource, data source or provider are skipped.
export * as widget from './widget';
