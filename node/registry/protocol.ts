// Wire shapes of the registry API (peer registration); leases are in ../leadership/lease.ts.
import { z } from "zod";
import { peerMetadataSchema } from "../gossip/membership.ts";

export const registrationSchema = z.object({
  nodeId: z.string().min(1).max(200),
  gossip: z.string().min(1).max(300),
  data: z.string().min(1).max(300),
  metadata: peerMetadataSchema,
  leaving: z.boolean().optional(),
});
export type Registration = z.infer<typeof registrationSchema>;

export const registrationReplySchema = z.object({
  peers: z.array(z.object({ nodeId: z.string(), gossip: z.string() })),
});
