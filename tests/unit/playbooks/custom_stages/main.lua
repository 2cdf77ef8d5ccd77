stages { "lead", "mql", "sql", "opportunity" }

advance "qualified" { on = "form_submit", from = "lead", to = "mql" }
