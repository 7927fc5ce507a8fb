import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The package ships TypeScript sources, not built JavaScript.
  transpilePackages: ["convex-saas-backend"],
};

export default nextConfig;
