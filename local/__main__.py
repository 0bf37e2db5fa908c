from local.runtime import main

main()
