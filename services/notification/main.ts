import { runMain } from '../kit/service';
import { notificationService } from './service';

runMain(notificationService);
