infer "faq_loop" { raise = { anxiety = 0.5 } }
