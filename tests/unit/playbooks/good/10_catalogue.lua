-- The catalogue and the mind states of a small playbook.
state "anxiety" { half_life = "7d", description = "An unresolved worry" }
state "price_worry" { description = "Default half-life" }

content "case_study" { title = "How Acme cut churn", url = "https://example.com/case", channel = "email" }
content "pricing_guide" { title = "料金ガイド" }
