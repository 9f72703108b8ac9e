import { z } from 'zod';

export const authSection = z
  .strictObject({
    /**
     * Failed token checks from one address within `windowSeconds`: after `delayAfter` of them
     * each further failure is answered more slowly (doubling up to `maxDelayMs`); after
     * `blockAfter` the address gets 429 until the window ends, whatever token it presents.
     */
    throttle: z
      .strictObject({
        delayAfter: z.number().int().min(1).default(5),
        blockAfter: z.number().int().min(2).default(20),
        windowSeconds: z.number().int().min(1).max(86_400).default(900),
        maxDelayMs: z.number().int().min(0).max(60_000).default(5000),
      })
      .refine((t) => t.blockAfter > t.delayAfter, { message: 'blockAfter must be greater than delayAfter', path: ['blockAfter'] })
      .prefault({}),
  })
  .prefault({});

export type AuthConfig = z.infer<typeof authSection>;
export type ThrottleConfig = AuthConfig['throttle'];
