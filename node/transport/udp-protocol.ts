// The UDP datagram path: one JSON request per datagram, answered by one JSON datagram.
import { z } from "zod";

export const udpRequestSchema = z.object({
  id: z.string().min(1).max(64),
  path: z.string().min(1).max(300),
  body: z.unknown(),
});
export type UdpRequest = z.infer<typeof udpRequestSchema>;

export const udpResponseSchema = z.object({
  id: z.string(),
  status: z.number().int(),
  body: z.string(),
  sig: z.string(),
});
export type UdpResponse = z.infer<typeof udpResponseSchema>;

/** Largest request that goes over UDP; bigger ones use HTTP/2 directly. */
export const maxDatagramBytes = 8 * 1024;
