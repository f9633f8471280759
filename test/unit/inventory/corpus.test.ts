// Every inventory under fixtures/inventories/bad/ is refused with exactly the problems it lists.
import { loadInventory } from "../../../src/inventory/load.js";
import { corpusTests } from "../../support/corpus.js";

corpusTests("fixtures/inventories/bad", loadInventory, { min: 10 });
