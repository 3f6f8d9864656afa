from faqbot.cli import main

main()
