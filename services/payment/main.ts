import { runMain } from '../kit/service';
import { paymentService } from './service';

runMain(paymentService);
