export * from "../testing/stripeObjects";
