/** True only in builds made with NEXT_PUBLIC_DEV_SIGN_IN=true (the standalone dev build); baked in at build time. */
export const devSignInEnabled = process.env.NEXT_PUBLIC_DEV_SIGN_IN === "true";
