#!/usr/bin/env node
// Drives a running skill server with virtual-alexa, an external client that builds request envelopes
// from an ASK interaction model and posts them (unsigned) to a URL.
//
//   node tests/e2e/virtual_alexa_driver.js URL MODEL_JSON LOCALE STEP...
//
// A STEP is "launch", "utter:<words>" or "intend:<IntentName>". Each step prints one JSON line:
//   {"step", "request", "response", "error", "fallback"}
// Alexa sends utterances that match nothing in the model as AMAZON.FallbackIntent; virtual-alexa 0.7
// throws instead, so the driver does what Alexa does and reports "fallback": true.
"use strict";

const { VirtualAlexa } = require("virtual-alexa");

async function main(argv) {
  const [url, model, locale, ...steps] = argv;
  if (!url || !model || !locale || steps.length === 0) {
    console.error("usage: virtual_alexa_driver.js URL MODEL_JSON LOCALE STEP...");
    return 2;
  }
  const alexa = VirtualAlexa.Builder()
    .skillURL(url)
    .interactionModelFile(model)
    .locale(locale)
    .applicationID("amzn1.ask.skill.virtual-alexa")
    .create();
  let lastRequest = null;
  alexa.filter((request) => {
    lastRequest = request;
  });
  for (const step of steps) {
    lastRequest = null;
    const line = { step, request: null, response: null, error: null, fallback: false };
    try {
      if (step === "launch") {
        line.response = await alexa.launch();
      } else if (step.startsWith("intend:")) {
        line.response = await alexa.intend(step.slice("intend:".length));
      } else if (step.startsWith("utter:")) {
        const words = step.slice("utter:".length);
        let reply;
        try {
          reply = alexa.utter(words);
        } catch (err) {
          if (!String(err && err.message).startsWith("Unable to match utterance")) throw err;
          line.fallback = true;
          reply = alexa.intend("AMAZON.FallbackIntent");
        }
        line.response = await reply;
      } else {
        throw new Error(`unknown step ${step}`);
      }
    } catch (err) {
      line.error = String(err && err.message ? err.message : err);
    }
    line.request = lastRequest;
    process.stdout.write(JSON.stringify(line) + "\n");
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
