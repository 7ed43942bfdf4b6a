import "server-only";
import { notFound } from "next/navigation";
import { Invalid, NotFound } from "@/lib/errors";

/**
 * The one place a console page maps the errors of its read. An unknown or malformed id (the
 * service's NotFound or Invalid, or a percent-encoding that does not decode) is the screen's
 * not-found state; anything else is thrown on to the nearest error.tsx, which renders inside the
 * shell so the navigation stays. Pass the read as a function so decoding the id is covered too.
 */
export async function readOrNotFound<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof NotFound || err instanceof Invalid || err instanceof URIError) notFound();
    throw err;
  }
}
