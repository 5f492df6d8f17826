/**
 * The one escape hatch of every costguard component, in the manner of SST's components: a
 * component's `transform` arg has one key per kind of child resource (`function`, `role`,
 * `table`, `bucket`, `rule`, `alarm`, …), and each takes either
 * - a partial args object, merged over the component's args (a key given replaces the
 *   component's value: `{ memorySize: 512 }`), or
 * - a function `(args, opts, name) => void` that changes the args and options in place. Where a
 *   component creates several children of one kind (the failsafe's three tables), the function
 *   runs for each and `name` tells them apart.
 * Components take `transform` rather than a flag per property: whatever AWS offers on a child is
 * reachable without a change here.
 */
import type * as pulumi from "@pulumi/pulumi";

export type Transform<Args, Opts = pulumi.CustomResourceOptions> = Partial<Args> | ((args: Args, opts: Opts, name: string) => void);

/**
 * A child's name, args and options after its transform, to spread into its constructor:
 * `new aws.sqs.Queue(...transformed(args.transform?.deadLetterQueue, name, queueArgs, { parent: this }))`.
 * The function form works on copies, so args shared between children are never changed.
 */
export function transformed<Args extends object, Opts extends object>(
  transform: Transform<Args, Opts> | undefined,
  name: string,
  args: Args,
  opts: Opts,
): [string, Args, Opts] {
  if (typeof transform === "function") {
    const [a, o] = [{ ...args }, { ...opts }];
    transform(a, o, name);
    return [name, a, o];
  }
  return [name, transform ? { ...args, ...transform } : args, opts];
}

/**
 * Options of a component whose type token was renamed: the old token as an alias, so that a
 * stack deployed before the rename keeps its resources (Pulumi carries a parent's aliases to
 * its children) instead of replacing them.
 */
export function renamedFrom(oldType: string, opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions {
  return { ...opts, aliases: [{ type: oldType }, ...(opts?.aliases ?? [])] };
}
