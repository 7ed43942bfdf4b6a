import type { MetadataRoute } from "next";

// Lets responders add the console to a phone's home screen; it opens on the board.
export default function manifest(): MetadataRoute.Manifest {
  return {
    name: "Watchfloor",
    short_name: "Watchfloor",
    description:
      "Operations console for automated trading systems: live severity board, incidents and audited controls.",
    start_url: "/",
    scope: "/",
    display: "standalone",
    orientation: "any",
    background_color: "#0a0f1c",
    theme_color: "#0a0f1c",
    icons: [
      { src: "/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
      { src: "/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
      { src: "/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
      { src: "/icon.svg", sizes: "any", type: "image/svg+xml", purpose: "any" },
    ],
  };
}
