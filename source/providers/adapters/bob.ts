// IBM Bob API keys with the person's base URL: no quirk beyond the base adapter's.
import type {ProviderAdapter} from '../types.js';
import {baseAdapter} from './base.js';

export const bobAdapter: ProviderAdapter = baseAdapter('bob');
