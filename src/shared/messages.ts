/**
 * The migration workflow's query and updates, defined once: the workflow handles these definitions and the CLI
 * calls them, so a renamed handler or a changed argument type is a compile error on both sides. Defining them
 * loads nothing of the workflow sandbox; clients may import this module.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { MESSAGES, type CutoverRequest, type Progress, type ThrottleUpdate } from './migration';

export const progressQuery = defineQuery<Progress>(MESSAGES.progress);
export const pauseUpdate = defineUpdate<Progress>(MESSAGES.pause);
export const resumeUpdate = defineUpdate<Progress>(MESSAGES.resume);
export const cancelUpdate = defineUpdate<Progress>(MESSAGES.cancel);
export const throttleUpdate = defineUpdate<Progress, [ThrottleUpdate]>(MESSAGES.throttle);
export const cutoverUpdate = defineUpdate<Progress, [CutoverRequest]>(MESSAGES.cutover);

/** The updates that take no argument, by name. */
export const PLAIN_UPDATES = { pause: pauseUpdate, resume: resumeUpdate, cancel: cancelUpdate } as const;
