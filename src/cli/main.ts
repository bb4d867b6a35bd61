#!/usr/bin/env node
import { Command } from "commander";

const program = new Command();
program.name("wxagent").description("AI agents in personal WeChat over the iLink Bot API").version("0.1.0");
await program.parseAsync(process.argv);
