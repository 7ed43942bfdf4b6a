"use client";

export default function GlobalError({ reset }: { error: Error; reset: () => void }) {
  return (
    <html lang="en">
      <body style={{ background: "#0a0f1c", color: "#e6eaf2", fontFamily: "system-ui", padding: 24 }}>
        <h1>Watchfloor failed to load</h1>
        <p>Nothing was changed.</p>
        <button type="button" onClick={reset}>
          Try again
        </button>
      </body>
    </html>
  );
}
