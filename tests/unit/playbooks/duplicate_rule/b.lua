-- the same name again, in another file
infer "other" { raise = { anxiety = 0.1 } }
infer "faq_loop" { raise = { anxiety = 0.2 } }
