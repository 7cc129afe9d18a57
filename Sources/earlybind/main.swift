import EarlybindHost

EarlybindCommand.main()
