// Every recipe under fixtures/bad/recipes/ must be refused with exactly the problems its
// `# expect: file:line: key: message` comments list (each a prefix of the message), in order.
import { loadRecipe } from "../../../src/recipe/load.js";
import { corpusTests } from "../../support/corpus.js";

corpusTests("fixtures/bad/recipes", loadRecipe, { min: 10 });
