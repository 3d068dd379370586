import { DevSignIn } from "@/components/DevSignIn";

// A page only when NEXT_PUBLIC_DEV_SIGN_IN=true: next.config.ts adds the "dev.tsx" page extension then,
// so other builds contain neither this route nor the DevSignIn component.
export default function SignInPage() {
  return <DevSignIn />;
}
