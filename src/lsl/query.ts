/**
 * Evaluates the XPath 1.0 boolean expressions LSL discovery queries carry against a stream's
 * info document. The subset covers what liblsl and users write: child paths (`name`,
 * `desc/channels/channel/label`, `*`, `@attribute`), string and number literals, the six
 * comparisons, `and`, `or`, parentheses, and the functions `not`, `true`, `false`, `contains`,
 * `starts-with`, `string`, `number`, `count` and `string-length`. Anything else is rejected
 * with an error that names it.
 */

import { textContent, type XmlElement } from "./xml.js";

/** Raised for a query this evaluator cannot read; the message names the offending text. */
export class LslQueryError extends Error {
  override readonly name = "LslQueryError";
}

type Value = string | number | boolean | readonly Node[];
type Node = XmlElement | { readonly attribute: string };

type Expression =
  | { readonly kind: "literal"; readonly value: string | number }
  | { readonly kind: "path"; readonly steps: readonly string[] }
  | { readonly kind: "binary"; readonly operator: string; readonly left: Expression; readonly right: Expression }
  | { readonly kind: "negate"; readonly operand: Expression }
  | { readonly kind: "call"; readonly name: string; readonly args: readonly Expression[] };

const TOKEN = /\s*(?:(\d+(?:\.\d*)?|\.\d+)|('[^']*'|"[^"]*")|(!=|<=|>=|[=<>()/,*@-])|([A-Za-z_][-A-Za-z0-9_.]*))/y;
const FUNCTIONS: Readonly<Record<string, number>> = {
  not: 1,
  true: 0,
  false: 0,
  contains: 2,
  "starts-with": 2,
  string: 1,
  number: 1,
  count: 1,
  "string-length": 1,
};
const MAX_QUERY_CHARS = 4096;
/** Node visits and comparisons one evaluation may make; a few milliseconds of work. */
export const MAX_QUERY_STEPS = 100_000;

/** Work left to an evaluation. */
interface Budget {
  remaining: number;
}

function spend(budget: Budget, steps: number): void {
  budget.remaining -= steps;
  if (budget.remaining < 0) {
    throw new LslQueryError(`query needs more than ${MAX_QUERY_STEPS} steps to evaluate; simplify it`);
  }
}
const MAX_NESTING = 32;

/** A parsed query, ready to be evaluated against many stream infos. */
export class LslQuery {
  readonly text: string;
  readonly #expression: Expression | undefined;

  /** Parses `text`; an empty query matches every stream. Throws {@link LslQueryError}. */
  constructor(text: string) {
    this.text = text;
    this.#expression = text.trim() === "" ? undefined : new Parser(text).parse();
  }

  /**
   * Returns whether the query's expression is true for the `<info>` element `info`. Throws
   * {@link LslQueryError} when the evaluation would take more than {@link MAX_QUERY_STEPS}
   * steps, so a crafted query cannot stall the outlet that evaluates it.
   */
  matches(info: XmlElement): boolean {
    return this.#expression === undefined ? true : toBoolean(evaluate(this.#expression, info, { remaining: MAX_QUERY_STEPS }));
  }
}

class Parser {
  readonly #tokens: string[] = [];
  #at = 0;
  #depth = 0;

  constructor(text: string) {
    if (text.length > MAX_QUERY_CHARS) {
      throw new LslQueryError(`query of ${text.length} characters is longer than the ${MAX_QUERY_CHARS} accepted`);
    }
    let position = 0;
    while (position < text.length) {
      TOKEN.lastIndex = position;
      const match = TOKEN.exec(text);
      if (match === null) {
        if (text.slice(position).trim() === "") {
          break;
        }
        throw new LslQueryError(`query "${text}" has an unreadable part at character ${position}: "${text.slice(position, position + 20)}"`);
      }
      this.#tokens.push(match[0].trim());
      position = TOKEN.lastIndex;
    }
  }

  parse(): Expression {
    const expression = this.#or();
    if (this.#at < this.#tokens.length) {
      throw new LslQueryError(`query has unexpected "${this.#tokens[this.#at] ?? ""}" after a complete expression`);
    }
    return expression;
  }

  #peek(): string | undefined {
    return this.#tokens[this.#at];
  }

  #take(expected?: string): string {
    const token = this.#tokens[this.#at];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new LslQueryError(`query expected ${expected === undefined ? "more" : `"${expected}"`} but found ${token === undefined ? "the end" : `"${token}"`}`);
    }
    this.#at++;
    return token;
  }

  #binary(operators: readonly string[], next: () => Expression): Expression {
    let left = next();
    for (let operator = this.#peek(); operator !== undefined && operators.includes(operator); operator = this.#peek()) {
      this.#at++;
      left = { kind: "binary", operator, left, right: next() };
    }
    return left;
  }

  #or = (): Expression => this.#binary(["or"], this.#and);
  #and = (): Expression => this.#binary(["and"], this.#equality);
  #equality = (): Expression => this.#binary(["=", "!="], this.#relational);
  #relational = (): Expression => this.#binary(["<", ">", "<=", ">="], this.#unary);

  #unary = (): Expression => {
    if (this.#peek() === "-") {
      this.#at++;
      return { kind: "negate", operand: this.#unary() };
    }
    return this.#primary();
  };

  #primary(): Expression {
    const token = this.#take();
    if (token.startsWith("'") || token.startsWith('"')) {
      return { kind: "literal", value: token.slice(1, -1) };
    }
    if (/^[\d.]/.test(token)) {
      return { kind: "literal", value: Number(token) };
    }
    if (token === "(") {
      return this.#nested(() => {
        const inner = this.#or();
        this.#take(")");
        return inner;
      });
    }
    if (this.#peek() === "(" && /^[A-Za-z]/.test(token)) {
      return this.#call(token);
    }
    return this.#path(token);
  }

  #nested(parse: () => Expression): Expression {
    if (++this.#depth > MAX_NESTING) {
      throw new LslQueryError(`query nests deeper than ${MAX_NESTING} levels`);
    }
    const expression = parse();
    this.#depth--;
    return expression;
  }

  #call(name: string): Expression {
    const arity = FUNCTIONS[name];
    if (arity === undefined) {
      throw new LslQueryError(`query calls ${name}(), which is not supported; use ${Object.keys(FUNCTIONS).join(", ")}`);
    }
    this.#take("(");
    return this.#nested(() => {
      const args: Expression[] = [];
      if (this.#peek() !== ")") {
        args.push(this.#or());
        while (this.#peek() === ",") {
          this.#at++;
          args.push(this.#or());
        }
      }
      this.#take(")");
      if (args.length !== arity) {
        throw new LslQueryError(`query calls ${name}() with ${args.length} arguments; it takes ${arity}`);
      }
      return { kind: "call", name, args };
    });
  }

  #path(first: string): Expression {
    const steps: string[] = [];
    let token = first;
    for (;;) {
      if (token === "@") {
        steps.push(`@${this.#take()}`);
      } else if (token === "*" || /^[A-Za-z_]/.test(token)) {
        steps.push(token);
      } else {
        throw new LslQueryError(`query has "${token}" where a value or path was expected`);
      }
      if (this.#peek() !== "/") {
        return { kind: "path", steps };
      }
      this.#at++;
      token = this.#take();
    }
  }
}

function evaluate(expression: Expression, info: XmlElement, budget: Budget): Value {
  switch (expression.kind) {
    case "literal":
      return expression.value;
    case "path":
      return select(info, expression.steps, budget);
    case "negate":
      return -toNumber(evaluate(expression.operand, info, budget));
    case "call":
      return call(expression.name, expression.args.map((arg) => evaluate(arg, info, budget)));
    case "binary": {
      if (expression.operator === "and") {
        return toBoolean(evaluate(expression.left, info, budget)) && toBoolean(evaluate(expression.right, info, budget));
      }
      if (expression.operator === "or") {
        return toBoolean(evaluate(expression.left, info, budget)) || toBoolean(evaluate(expression.right, info, budget));
      }
      return compare(expression.operator, evaluate(expression.left, info, budget), evaluate(expression.right, info, budget), budget);
    }
  }
}

function select(info: XmlElement, steps: readonly string[], budget: Budget): Node[] {
  let nodes: Node[] = [info];
  for (const step of steps) {
    const next: Node[] = [];
    for (const node of nodes) {
      spend(budget, 1 + ("children" in node ? node.children.length : 0));
      if ("attribute" in node) {
        continue;
      }
      if (step.startsWith("@")) {
        const value = node.attributes[step.slice(1)];
        if (value !== undefined) {
          next.push({ attribute: value });
        }
        continue;
      }
      for (const child of node.children) {
        if (typeof child !== "string" && (step === "*" || child.name === step)) {
          next.push(child);
        }
      }
    }
    nodes = next;
  }
  return nodes;
}

function call(name: string, args: readonly Value[]): Value {
  const [first, second] = args;
  switch (name) {
    case "not":
      return !toBoolean(first as Value);
    case "true":
      return true;
    case "false":
      return false;
    case "contains":
      return toText(first as Value).includes(toText(second as Value));
    case "starts-with":
      return toText(first as Value).startsWith(toText(second as Value));
    case "string":
      return toText(first as Value);
    case "number":
      return toNumber(first as Value);
    case "count":
      return Array.isArray(first) ? first.length : Number.NaN;
    default:
      return toText(first as Value).length;
  }
}

/** Compares two values as XPath 1.0 does: a node set matches when any of its nodes does. */
function compare(operator: string, left: Value, right: Value, budget: Budget): boolean {
  if (Array.isArray(left)) {
    return (left as readonly Node[]).some((node) => compare(operator, nodeText(node), right, budget));
  }
  if (Array.isArray(right)) {
    return (right as readonly Node[]).some((node) => compare(operator, left, nodeText(node), budget));
  }
  spend(budget, 1);
  if (operator === "=" || operator === "!=") {
    let equal: boolean;
    if (typeof left === "boolean" || typeof right === "boolean") {
      equal = toBoolean(left) === toBoolean(right);
    } else if (typeof left === "number" || typeof right === "number") {
      equal = toNumber(left) === toNumber(right);
    } else {
      equal = left === right;
    }
    return operator === "=" ? equal : !equal;
  }
  const a = toNumber(left);
  const b = toNumber(right);
  switch (operator) {
    case "<":
      return a < b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    default:
      return a >= b;
  }
}

function nodeText(node: Node): string {
  return "attribute" in node ? node.attribute : textContent(node);
}

function toText(value: Value): string {
  if (Array.isArray(value)) {
    const first = (value as readonly Node[])[0];
    return first === undefined ? "" : nodeText(first);
  }
  return String(value);
}

function toNumber(value: Value): number {
  if (typeof value === "number") {
    return value;
  }
  if (typeof value === "boolean") {
    return value ? 1 : 0;
  }
  const text = toText(value).trim();
  return text === "" ? Number.NaN : Number(text);
}

function toBoolean(value: Value): boolean {
  if (Array.isArray(value)) {
    return value.length > 0;
  }
  if (typeof value === "number") {
    return value !== 0 && !Number.isNaN(value);
  }
  return typeof value === "boolean" ? value : value.length > 0;
}
