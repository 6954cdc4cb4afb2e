import { defineError } from '../errors/index.js'

/** A route of the admin endpoint that changes something, called without the right bearer token. */
export const AdminUnauthorized = defineError<[string]>('ADMIN_UNAUTHORIZED', 'admin action refused: %s')
