/**
 * Multipart forms of the back-office (an image, a CSV): @fastify/multipart registered in the
 * caller's scope only, its files as Buffers and its fields as strings (`attachFieldsToBody:
 * 'keyValues'`); files past their limit are cut (the service says « too large » next to the field
 * rather than a bare 413). Only an operator's request is read at all, and since the stored-text
 * rule (app.ts) runs before multipart fills the body, its text fields are checked here.
 */
import multipart, { type FastifyMultipartOptions } from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { InputError } from '../lib/errors.js';
import { findUnstorableText } from '../lib/stored-text.js';
import { requireOperator } from './guards.js';

export async function operatorMultipart(scope: FastifyInstance, limits: NonNullable<FastifyMultipartOptions['limits']>): Promise<void> {
  await scope.register(multipart, { attachFieldsToBody: 'keyValues', throwFileSizeLimit: false, limits });
  // Refused before multipart buffers anything.
  scope.addHook('onRequest', async (request) => {
    requireOperator(request);
  });
  scope.addHook('preValidation', async (request) => {
    const texts = Object.fromEntries(Object.entries((request.body ?? {}) as Record<string, unknown>).filter(([, value]) => !Buffer.isBuffer(value)));
    const bad = findUnstorableText(texts);
    if (bad) throw new InputError(bad.field, bad.character === null ? 'error.text.tooDeep' : 'error.text.control', { field: bad.field, character: bad.character ?? '' });
  });
}
