import { z } from 'zod';
import { NODE_ROLES } from '../../domain/node-roles.js';

/**
 * The node's place in a cluster (config/cluster/README.md). `roles`: which parts this node
 * runs; every role by default (a node on its own). A role twice is an error, not a no-op, so a
 * typo in a long list is seen.
 */
export const nodeSection = z
  .strictObject({
    roles: z
      .array(z.enum(NODE_ROLES))
      .min(1, `at least one of ${NODE_ROLES.join(', ')}`)
      // `when`: also when an item is unknown, so every problem of the list is told at once.
      .check(
        z.superRefine(
          (roles, ctx) => {
            roles.forEach((role, i) => {
              if (roles.indexOf(role) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `"${role}" is listed twice` });
            });
          },
          { when: (payload) => Array.isArray(payload.value) },
        ),
      )
      .default([...NODE_ROLES]),
  })
  .prefault({});

export type NodeConfig = z.infer<typeof nodeSection>;
